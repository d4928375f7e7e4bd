"""Importing order histories from files (``manage.py import_orders``).

``reading`` turns a .csv, .csv.gz or .xlsx file into chunks of text rows with line numbers;
a format (``online_retail``, ``generic``) checks and converts them into order lines through
``rows``; ``history`` nets returns and derives products, shoppers and orders, naming colours,
materials and categories with ``attributes``; ``loading`` stores what is new; ``imports`` runs
the steps and ``summary`` reports them.
"""
