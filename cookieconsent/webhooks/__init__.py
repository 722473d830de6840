"""Webhooks: telling a site's backend that a consent was withdrawn, erased or has expired.

A site keeps the name, phone and message a form sent it in its own database; when the subject
withdraws, is erased, or the consent's retention ends, that copy must go too. Each event is
written to ``webhook_delivery`` in the transaction that records it (:mod:`.events`), so it is
never lost, then sent by ``flask webhooks deliver`` (:mod:`.delivery`), signed
(:mod:`.signing`), and retried with a growing wait for a day.
"""
