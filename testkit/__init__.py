"""Real servers that the tests and the benchmarks both drive (never imported by the app):
llm_server.ScriptedLLM, an OpenAI-compatible chat-completions server scripted per request,
and chroma_server.ChromaServer, a real `chroma run` on loopback.

Importable because pytest puts the repository root on sys.path (pyproject.toml,
[tool.pytest.ini_options] pythonpath) and bench/ scripts add it themselves."""
