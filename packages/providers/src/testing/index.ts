export { testAlipayCredentials, testCertificate, testWechatpayCredentials } from './test-credentials.ts';
