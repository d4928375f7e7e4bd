from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from .forms import ClickForm
from .tracking import record_click


@require_GET
def band_click(request):
    """A band item's link: record the click, then go to the product. Junk gets a 400."""
    form = ClickForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponseBadRequest(
            f"Bad click tracking request ({problems}).", content_type="text/plain; charset=utf-8"
        )
    product = form.cleaned_data["product"]
    record_click(request, form.cleaned_data["band"], product, page=form.cleaned_data["page"])
    return redirect(product)
