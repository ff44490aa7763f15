"""Inbound channels: e-mail (MIME, IMAP) and JSON webhooks of WeChat/SMS gateways.

How a channel's messages become tickets is declared by ``InboundChannel`` definitions; the
HTTP endpoints live in :mod:`gongdan.channels.api`, ``gongdan mail fetch`` in
:mod:`gongdan.channels.cli`.
"""
