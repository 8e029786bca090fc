// Project JavaScript. No inline scripts anywhere, so the Content-Security-Policy can forbid them.
"use strict";
