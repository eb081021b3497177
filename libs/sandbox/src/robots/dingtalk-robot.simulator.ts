import { createHmac, timingSafeEqual } from 'node:crypto';
import { startRobotSimulator, type RobotProtocol, type RobotSimOptions, type RobotSimulator, type RobotVerdict } from './robot-sim-core';

const err = (code: number, message: string): RobotVerdict => ({ status: 200, code, message, body: { errcode: code, errmsg: message } });

/**
 * DingTalk custom robot (MARKETING-KUAISHOU-ALERTS.md 3.1): POST /robot/send?access_token=…[&timestamp=<ms>&sign=…].
 * 加签: HMAC-SHA256(key = secret, `${timestamp}\n${secret}`), Base64, URL-encoded; the timestamp within an hour.
 * Answers HTTP 200 with errcode: 0 ok; 310000 for `sign not match` and `invalid timestamp` (the real code);
 * 300001 unknown token, 40035 a body that is not a known message, 130101 over 20 messages a minute, after which
 * the robot is refused for 10 minutes (those three codes are recollection, [U] in the doc).
 */
export const DINGTALK_ROBOT_PROTOCOL: RobotProtocol = {
  kind: 'dingtalk',
  defaultPerMinute: 20,
  defaultBanMs: 600_000,
  robotOf: (url) => (url.pathname === '/robot/send' ? url.searchParams.get('access_token') : null),
  webhookPath: (robot) => `/robot/send?access_token=${encodeURIComponent(robot)}`,
  ok: () => err(0, 'ok'),
  rateLimited: () => err(130101, 'send too fast, exceed 20 times per minute'),
  judge(url, body, robot, now, windowMs) {
    if (!robot) return err(300001, 'token is not exist');
    if (robot.secret !== null) {
      const ts = url.searchParams.get('timestamp');
      const sign = url.searchParams.get('sign');
      if (!ts || !/^\d{13}$/.test(ts) || Math.abs(now - Number(ts)) > windowMs) return err(310000, 'invalid timestamp');
      const expected = Buffer.from(createHmac('sha256', robot.secret).update(`${ts}\n${robot.secret}`).digest('base64'));
      const given = Buffer.from(sign ?? '');
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return err(310000, 'sign not match');
    }
    if (!body) return err(40035, '缺少参数 json');
    if (body.msgtype === 'markdown') {
      if (typeof body.markdown?.title !== 'string' || typeof body.markdown?.text !== 'string' || body.markdown.text === '') return err(40035, '缺少参数 markdown');
      return null;
    }
    if (body.msgtype === 'text') return typeof body.text?.content === 'string' ? null : err(40035, '缺少参数 text');
    if (['actionCard', 'link', 'feedCard'].includes(body.msgtype)) return null;
    return err(40035, '缺少参数 msgtype');
  },
};

export function startDingtalkRobotSimulator(o: RobotSimOptions): Promise<RobotSimulator> {
  return startRobotSimulator(DINGTALK_ROBOT_PROTOCOL, o);
}
