import pytest

from sklearn_lowdim.utils.discovery import all_estimators, all_functions


def test_all_estimators_are_public_and_sorted():
    estimators = all_estimators()
    names = [name for name, _ in estimators]
    assert names == sorted(names)
    assert all(not name.startswith("_") for name in names)


def test_type_filter_validation():
    with pytest.raises(ValueError, match="type_filter"):
        all_estimators(type_filter="bogus")


def test_all_functions_sees_loaders():
    assert "load_wordnet_embeddings" in dict(all_functions())
