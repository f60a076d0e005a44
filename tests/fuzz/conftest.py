def pytest_terminal_summary(terminalreporter):
    """Print each fuzz run's line (role, operations, cases, failures), also from xdist workers."""
    lines = [value for outcome in ("passed", "failed")
             for report in terminalreporter.stats.get(outcome, [])
             for key, value in getattr(report, "user_properties", []) if key == "fuzz"]
    if lines:
        terminalreporter.section("fuzz (schemathesis)")
        for line in sorted(lines):
            terminalreporter.write_line(line)
