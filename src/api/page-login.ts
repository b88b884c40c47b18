// The TCP status page's sign-in: a form that posts the token to the page asked for (see page.ts).
import { Html, html } from "./html.ts";
import { PAGE_CSS } from "./page-style.ts";

/** `action`: the page asked for (a path built by page.ts), where the form posts and then leads. */
export function renderLogin(wrong: boolean, action = "/"): string {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>f2b: token required</title>
<style>${new Html(PAGE_CSS) /* our constant, byte for byte: the CSP allows it by hash */}</style></head>
<body>
<header><h1>f2b</h1><span class="sub">status page</span></header>
<main><section class="login"><h2>Token required</h2>
${wrong ? html`<p class="err">That token is not right.</p>` : ""}
<form method="post" action="${action}"><input type="password" name="token" aria-label="API token" placeholder="API token" autocomplete="current-password" required autofocus><button type="submit">Open</button></form>
<p>The token is <code>[api] token</code> (or the contents of <code>tokenfile</code>) in fail2ban.local. This browser then keeps a cookie for 12 hours that opens this page only. Scripts send <code>Authorization: Bearer TOKEN</code> instead.</p>
</section></main></body></html>
`.text;
}
