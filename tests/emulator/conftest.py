from tests.aws.conftest import emulator, emulator_server  # noqa: F401  (the same emulator fixtures)
