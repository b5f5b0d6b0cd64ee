"""What the tests share, one home for each helper, constant and fixture body: test modules import from here (or get
fixtures from tests/conftest.py), never from one another (tests/test_house.py checks)."""
