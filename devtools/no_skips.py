"""pytest plugin for CI (devtools/test.sh loads it when CI=true): a skipped
test is a test that did not run, e.g. the backend tour without chromium, so
a run with skips fails instead of passing green."""


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; under CI a skip is a failure", red=True)
        session.exitstatus = 1
