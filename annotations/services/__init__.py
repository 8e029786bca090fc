"""Every write the app makes lives in this package, one module per area.

Views, serializers, forms, commands and tasks parse input and call one function from here.
"""
