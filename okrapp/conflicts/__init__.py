"""Incentive conflicts: the scan (pure rules in rules/), conflict items with their lifecycle, and the
pages where executives act on them."""
