"""The push services of the major browsers: the hosts their PushSubscription endpoints use,
and so the default of ``TINGET_PUSH_SERVICES``. A module of its own, importing nothing, so the
settings (read by every CLI call) take it without loading the HTTP client push uses.

- Chrome and most Chromium browsers (Opera, Brave, Samsung Internet): https://fcm.googleapis.com/...
- Firefox (Mozilla autopush): https://updates.push.services.mozilla.com/wpush/...
- Safari on macOS 13+ and iOS/iPadOS 16.4+: https://web.push.apple.com/...
- Edge (Windows Push Notification Services): https://*.notify.windows.com/...
"""

DEFAULT_PUSH_SERVICES = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "push.services.mozilla.com",
    "web.push.apple.com",
    "notify.windows.com",
)
