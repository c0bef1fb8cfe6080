import { html } from 'hono/html';
import type { AlipayFailure } from '../failure.ts';

/**
 * What a browser sees when a page/wap pay request is refused: Alipay's cashier shows an
 * HTML page naming the error code (without the `isv.` prefix) and its reason, not JSON.
 */
export function gatewayErrorPage(failure: AlipayFailure) {
  const code = failure.subCode.replace(/^(isv|isp|aop)\./, '');
  return html`<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>支付宝 - 网上支付 安全快速！</title>
<style>body{font-family:system-ui,"PingFang SC",sans-serif;background:#f4f5f7;margin:0}main{max-width:560px;margin:48px auto;background:#fff;border-radius:12px;padding:24px}.code{font-family:monospace}</style>
</head>
<body><main>
<h1>调试错误，请回到请求来源地，重新发起请求。</h1>
<p>错误代码 <span class="code" data-testid="error-code">${code}</span> 错误原因: <span data-testid="error-reason">${failure.subMsg}</span></p>
<p>Alipay sandbox · test mode</p>
</main></body>
</html>`;
}
