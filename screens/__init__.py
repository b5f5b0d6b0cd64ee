"""The Textual UI: one module per screen, a view on the headless core in `wizard/`."""
