"""What the tests share besides fixtures (those live in conftest.py files): plain helpers,
imported as `tests.support.<module>`."""
