export * from './robot-sim-core';
export * from './dingtalk-robot.simulator';
export * from './feishu-robot.simulator';
export * from './wecom-robot.simulator';
