"""Messages to the initiatiefnemer: ontvangstbevestiging and statusberichten.

DSO does not talk to the initiatiefnemer (IPLO), so the municipality must: Awb 4:3a asks for a
receipt without delay, and the status and besluit must be passed on. The port is `Berichtkanaal`
(bericht.py) with three implementations: SMTP (smtp.py), a letter for the post (post.py) and a
recording fake (memory.py); one contract suite (tests/contract/test_berichtkanaal_contract.py)
runs against all of them."""

from gateway.berichten.bericht import (
    Bericht,
    BerichtGeweigerd,
    Berichtkanaal,
    BerichtOngeldig,
    Verzending,
)

__all__ = ["Bericht", "BerichtGeweigerd", "BerichtOngeldig", "Berichtkanaal", "Verzending"]
