"""The three processing stages (fetch, translate, report) and the worker that runs them."""
