"""`python ui.py`: serves the chat page, the widget and the REST API (the same app as
`assistant serve`). The pages are in assistant/web/ui.py, the app in assistant/web/app.py."""

from assistant.web.app import serve

if __name__ == "__main__":
    serve()
