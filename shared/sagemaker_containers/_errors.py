class ClientError(Exception):
    pass


class UnsupportedFormatError(Exception):
    """Raised for an unsupported content type; our runtime answers 415 (input) / 406 (output)."""

    def __init__(self, content_type: str, **kwargs: object) -> None:
        self.content_type = content_type
        super().__init__(f"Content type {content_type} is not supported by this framework.")
