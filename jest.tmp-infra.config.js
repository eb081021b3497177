const base = require('./jest.config.js');
const swcT = base.transform['^.+\\.ts$'];
module.exports = { ...base, transform: { '^.+\\.[tj]s$': swcT }, transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@bull-board)/)'] };
