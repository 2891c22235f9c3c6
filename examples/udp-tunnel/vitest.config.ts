import { definePackageConfig } from '../../vitest.shared.js';

export default definePackageConfig('example-udp-tunnel');
