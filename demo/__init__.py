"""The 淮南 demo: a district's cast and projects at every stage, built through the real services.

``manage.py demo`` builds it for people to click through; the chain tests and the test world
(tests/worlds.py) build their people and projects with the same functions.
"""
