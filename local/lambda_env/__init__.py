"""Local Lambda execution environments: runtime processes with their own Runtime API."""

from local.lambda_env.config import FunctionConfig
from local.lambda_env.environment import ExecutionEnvironment, InitFailure
from local.lambda_env.faults import FaultPlan, InvocationFaults
from local.lambda_env.pool import EnvironmentPool, InitFailed, Run, Throttled

__all__ = [
    "EnvironmentPool",
    "ExecutionEnvironment",
    "FaultPlan",
    "FunctionConfig",
    "InitFailed",
    "InitFailure",
    "InvocationFaults",
    "Run",
    "Throttled",
]
