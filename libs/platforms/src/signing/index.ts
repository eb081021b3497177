export * from './canonical-json';
export * from './douyin.sign';
export * from './taobao.sign';
export * from './xiaohongshu.sign';
export * from './jushuitan.sign';
export * from './time';
