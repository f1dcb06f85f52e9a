"""okrapp.formatting: one way to write a number, a share, a size, for pages and mail alike."""
from okrapp import formatting


def test_a_file_size_below_a_megabyte_is_not_written_as_zero_megabytes():
    assert formatting.file_size(1024) == "1 KB"
    assert formatting.file_size(300 * 1024) == "300 KB"


def test_a_file_size_is_written_in_binary_megabytes_like_the_limits():
    assert formatting.file_size(2 * 1024 * 1024) == "2 MB"
    assert formatting.file_size(4 * 1024 * 1024 + 512 * 1024) == "4.5 MB"
