"""Masking personal data for readers who may not see it."""

from segmint.core.privacy import mask_email, mask_name, mask_phone, masked


def test_masks_keep_what_identifies_no_one_and_hide_the_rest():
    """The shapes of masked contact data the issue names: 138****5678, z***@…, 张*."""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8613812345678") == "+86****5678"
    assert mask_phone("6552998") == "*****98"
    assert mask_email("zhang.wei@example.com") == "z***@example.com"
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***"
    record = {"name": "王芳", "phone": "13800138000", "email": None, "city": "杭州"}
    assert masked(record) == {"name": "王*", "phone": "138****8000", "email": None, "city": "杭州"}
