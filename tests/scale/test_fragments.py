"""The rendered-fragment memo is bounded by the bytes it holds, however big or many the panels."""

from widget.shared.fragments import RenderedFragments, entry_size


def test_the_memo_stays_within_its_bytes_however_many_launches():
    memo = RenderedFragments(max_bytes=1_000_000)
    html = "<div>" + "x" * 20_000 + "</div>"  # a big summary (a company with many people)
    for launch in range(2_500):
        assert memo.get_or_render(("ws", "tenant", launch), lambda: html) == html
    assert memo.size_bytes <= 1_000_000
    assert len(memo) == 1_000_000 // entry_size(html)  # the most recent ones are kept


def test_a_kept_fragment_is_not_rendered_again_and_one_bigger_than_the_memo_is_not_kept():
    memo = RenderedFragments(max_bytes=10_000)
    renders = []

    def render(text):
        renders.append(text)
        return text

    assert memo.get_or_render(("a",), lambda: render("small")) == "small"
    assert memo.get_or_render(("a",), lambda: render("again")) == "small"
    huge = "y" * 20_000
    assert memo.get_or_render(("b",), lambda: render(huge)) == huge
    assert memo.get_or_render(("b",), lambda: render(huge)) == huge
    assert renders == ["small", huge, huge]
