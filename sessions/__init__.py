"""Services that touch the world: the store, audio, the transcriber, exporters.

Each takes and returns `models` types. Heavy imports (faster_whisper,
sounddevice) load lazily inside the functions that need them.
"""
