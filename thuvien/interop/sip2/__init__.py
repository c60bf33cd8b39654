"""SIP2 for self-check kiosks and sorters: the codec, the asyncio server, kiosk accounts.

``messages`` is the framework-free codec; ``server`` the TCP daemon (``thuvien sip2d``); ``backend``
maps each message onto the circulation actions and queries; ``actions`` manages kiosk accounts.
"""
