"""CDK code for Bedrock Stream: the StreamingFunction construct and the stack that composes it."""

import sys
from pathlib import Path

# The stack reads model ids with the function's own pure module (bedrock_stream.model_ids),
# so the deployed code and its IAM grants never disagree. lambda_src is the asset root, not
# an installed package; mypy finds it through mypy_path, the tests through pythonpath.
_LAMBDA_SRC = str(Path(__file__).resolve().parent.parent / "lambda_src")
if _LAMBDA_SRC not in sys.path:
    sys.path.append(_LAMBDA_SRC)
