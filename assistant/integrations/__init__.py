"""The assistant inside other tools: a llama-index retriever (llama_index.py) and an MCP
server (mcp.py). Thin shells over assistant.core.Assistant, like the CLI and the web app."""
