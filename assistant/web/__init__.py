"""The web shell over Assistant: app.py (the FastAPI app, its error mapping, `serve`), the
REST API (api.py), the Gradio pages (ui.py, render.py, messages.py, static/), and auth, rate
limits, security headers, feedback and uploads. Nothing outside assistant/web imports it,
but the CLI's `serve` and the top-level ui.py launcher."""
