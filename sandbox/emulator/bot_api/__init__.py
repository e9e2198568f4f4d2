"""The Bot API methods the emulator answers, their parameters, markup and HTML checks, and update dispatch."""
