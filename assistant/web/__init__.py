"""The web layer over Assistant: auth, rate limits, security headers, feedback, uploads,
and the REST API. assistant/server.py puts these together with the Gradio UI (ui.py)."""
