"""The JSON shape of an error: `{"detail": message}` for the REST API, OpenAI's
`{"error": {"message", "type", "param", "code"}}` under /v1 (what the openai SDK and the chat
front ends built on it read)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

OPENAI_PREFIX = "/v1/"
_TYPES = {400: "invalid_request_error", 401: "authentication_error",
          403: "permission_error", 404: "not_found_error", 429: "rate_limit_exceeded"}


def error_json(path: str, status: int, detail, headers: dict | None = None) -> JSONResponse:
    if path.startswith(OPENAI_PREFIX):
        # OpenAI answers a request that does not validate with 400, not 422
        status = 400 if status == 422 else status
        message = detail if isinstance(detail, str) else str(detail)
        kind = _TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        return JSONResponse({"error": {"message": message, "type": kind, "param": None,
                                       "code": kind if status == 429 else None}},
                            status_code=status, headers=headers)
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)
