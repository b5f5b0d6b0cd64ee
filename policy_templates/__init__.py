"""XML fragments this project writes itself, loaded by wizard.policies with importlib.resources."""
