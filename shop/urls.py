from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "shop"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.products, name="products"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("b/<slug:slug>/", views.brand, name="brand"),
    path("search/", views.search, name="search"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
    path("img/<slug:icon>/<str:hex_colour>.svg", views.product_image, name="product-image"),
    path("cart/", views.cart_detail, name="cart"),
    path("cart/add/<int:product_id>/", views.cart_add, name="cart-add"),
    path("cart/update/<int:product_id>/", views.cart_update, name="cart-update"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("account/signup/", views.signup, name="signup"),
    path(
        "account/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
