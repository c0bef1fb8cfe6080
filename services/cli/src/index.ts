export { type Config, ConfigError, loadConfig } from './config.ts';
export { main } from './main.ts';
