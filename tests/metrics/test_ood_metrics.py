import numpy as np
import pytest

from sklearn_lowdim.metrics import detection_report, fpr_at_tpr, ood_aupr, ood_auroc


def brute_auroc(id_scores, ood_scores):
    # P(ID score > OOD score) + 0.5 P(tie), over all pairs.
    diff = np.subtract.outer(id_scores, ood_scores)
    return np.mean(diff > 0) + 0.5 * np.mean(diff == 0)


def test_auroc_matches_pair_counting():
    rng = np.random.default_rng(0)
    id_scores = rng.normal(1, 1, 200).round(1)
    ood_scores = rng.normal(0, 1, 150).round(1)
    assert ood_auroc(id_scores, ood_scores) == pytest.approx(
        brute_auroc(id_scores, ood_scores)
    )


def test_fpr_at_tpr_by_hand():
    id_scores = np.arange(1, 101, dtype=float)  # 5th lowest is 5
    ood_scores = np.array([0.0, 4.9, 5.0, 7.0])
    assert fpr_at_tpr(id_scores, ood_scores) == pytest.approx(0.5)
    assert fpr_at_tpr(id_scores, ood_scores, tpr=1.0) == pytest.approx(0.75)


def test_aupr_in_and_out():
    id_scores, ood_scores = [2.0, 3.0], [0.0, 1.0]
    assert ood_aupr(id_scores, ood_scores) == 1.0
    assert ood_aupr(id_scores, ood_scores, positive="ood") == 1.0
    # Reversed ranking: the only ID row is ranked second, precision 1/2.
    assert ood_aupr([0.0], [1.0]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="positive"):
        ood_aupr(id_scores, ood_scores, positive="x")


def test_detection_report_and_bad_input():
    report = detection_report([3.0, 2.0, 1.0], {"a": [0.0], "b": [5.0]})
    assert report["a"]["auroc"] == 1.0 and report["b"]["auroc"] == 0.0
    frame = detection_report([3.0, 2.0], [0.0, 1.0], as_frame=True)
    assert list(frame.index) == ["ood"]
    with pytest.raises(ValueError, match="NaN"):
        ood_auroc([np.nan], [1.0])
    with pytest.raises(ValueError, match="tpr"):
        fpr_at_tpr([1.0], [0.0], tpr=0)


def test_display_from_estimator_matches_metrics():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_lowdim.metrics import OODScoreDisplay
    from sklearn_lowdim.ood import MahalanobisOOD

    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(0, 1, (100, 3)), rng.normal(3, 1, (100, 3))])
    y = np.repeat([0, 1], 100)
    detector = MahalanobisOOD().fit(X, y)
    X_ood = rng.normal(10, 1, (50, 3))
    display = OODScoreDisplay.from_estimator(detector, X, {"far": X_ood})
    assert display.aurocs_["far"] == ood_auroc(detector.score_samples(X),
                                               detector.score_samples(X_ood))
    assert len(display.axes_[1].get_lines()) == 2  # the ROC and the diagonal
    plt.close(display.figure_)


def test_display_draws_threshold_and_legends():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_lowdim.metrics import OODScoreDisplay

    rng = np.random.default_rng(2)
    id_scores, ood_scores = rng.normal(1, 1, 300), rng.normal(-1, 1, 200)
    display = OODScoreDisplay.from_predictions(id_scores, {"near": ood_scores},
                                               name="toy", threshold=0.0)
    # brute-force counts, not the display's own code
    assert display.tpr_at_threshold_ == sum(s >= 0 for s in id_scores) / 300
    assert display.fprs_at_threshold_["near"] == sum(s >= 0 for s in ood_scores) / 200
    hist_ax, roc_ax = display.axes_
    vertical = [line for line in hist_ax.get_lines()
                if list(line.get_xdata()) == [0.0, 0.0]]
    assert len(vertical) == 1
    assert hist_ax.get_xlabel() and hist_ax.get_ylabel()
    assert roc_ax.get_xlabel() and roc_ax.get_ylabel()
    roc_legend = [t.get_text() for t in roc_ax.get_legend().get_texts()]
    assert any("AUROC" in t and "FPR95" in t for t in roc_legend)
    assert any("threshold" in t for t in roc_legend)
    point = roc_ax.collections[0].get_offsets()[0]
    np.testing.assert_allclose(point, [display.fprs_at_threshold_["near"],
                                       display.tpr_at_threshold_])
    plt.close(display.figure_)
    with pytest.raises(ValueError, match="threshold"):
        OODScoreDisplay(id_scores, {"x": ood_scores}, threshold=float("nan"))


def test_display_from_estimator_uses_offset():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_lowdim.metrics import OODScoreDisplay
    from sklearn_lowdim.ood import MahalanobisOOD

    rng = np.random.default_rng(3)
    X = rng.normal(0, 1, (200, 3))
    detector = MahalanobisOOD().fit(X, np.repeat([0, 1], 100))
    X_ood = rng.normal(4, 1, (50, 3))
    display = OODScoreDisplay.from_estimator(detector, X, X_ood)
    assert display.threshold == detector.offset_
    # predict and the drawn threshold agree on which rows are accepted
    assert display.tpr_at_threshold_ == np.mean(detector.predict(X) == 1)
    plt.close(display.figure_)
    display = OODScoreDisplay.from_estimator(detector, X, X_ood, threshold=None)
    assert display.tpr_at_threshold_ is None and not display.fprs_at_threshold_
    plt.close(display.figure_)
