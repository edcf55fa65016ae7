"""The handler service MMS loads (the one class of this module), as in the sagemaker-inference toolkit's README:
the toolkit's DefaultHandlerService and Transformer around our InferenceHandler (inference_handler.py)."""

from inference_handler import InferenceHandler
from sagemaker_inference import default_handler_service
from sagemaker_inference.transformer import Transformer


class HandlerService(default_handler_service.DefaultHandlerService):
    """MMS finds this class in the handler module and calls initialize(context), then handle(data, context)."""

    def __init__(self):
        super().__init__(transformer=Transformer(default_inference_handler=InferenceHandler()))

