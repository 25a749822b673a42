"""Great Expectations suites (as code) and the quality gate that runs them on every build.

`expectations.gate.run_gate(building)` is the `aftershock.build.Gate` wired into `aftershock build`.
"""
