"""An URL conf that test_viewflow_routes fills with viewflow's workflow app, to test its guard."""

urlpatterns: list = []
