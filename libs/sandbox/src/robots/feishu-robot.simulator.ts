import { createHmac, timingSafeEqual } from 'node:crypto';
import { startRobotSimulator, type RobotProtocol, type RobotSimOptions, type RobotSimulator, type RobotVerdict } from './robot-sim-core';

const answer = (status: number, code: number, msg: string): RobotVerdict => ({ status, code, message: msg, body: { code, msg, data: {} } });

/**
 * Feishu custom bot (MARKETING-KUAISHOU-ALERTS.md 3.2): POST /open-apis/bot/v2/hook/<token>, `timestamp`
 * (seconds) and `sign` in the JSON body; sign = Base64(HMAC-SHA256(key = `${timestamp}\n${secret}`, empty
 * message)). Codes: 0 success; 19021 `sign match fail or timestamp is not within one hour`; 9499 Bad Request
 * (not a known message); 11232 over 100 a minute or 5 a second per bot; 19001 unknown hook (recollection).
 */
export const FEISHU_ROBOT_PROTOCOL: RobotProtocol = {
  kind: 'feishu',
  defaultPerMinute: 100,
  perSecond: 5,
  defaultBanMs: 0,
  robotOf: (url) => /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(url.pathname)?.[1] ?? null,
  webhookPath: (robot) => `/open-apis/bot/v2/hook/${encodeURIComponent(robot)}`,
  ok: () => ({ status: 200, code: 0, message: 'success', body: { StatusCode: 0, StatusMessage: 'success', code: 0, msg: 'success', data: {} } }),
  rateLimited: () => answer(200, 11232, 'frequency limited psm[lark.oapi.bot] appID[1]'),
  judge(_url, body, robot, now, windowMs) {
    if (!robot) return answer(404, 19001, 'param invalid: incoming webhook access token invalid');
    if (!body) return answer(400, 9499, 'Bad Request');
    if (robot.secret !== null) {
      const ts = typeof body.timestamp === 'string' || typeof body.timestamp === 'number' ? String(body.timestamp) : '';
      if (!/^\d{10}$/.test(ts) || Math.abs(now - Number(ts) * 1000) > windowMs) return answer(200, 19021, 'sign match fail or timestamp is not within one hour from current time');
      const expected = Buffer.from(createHmac('sha256', `${ts}\n${robot.secret}`).update('').digest('base64'));
      const given = Buffer.from(typeof body.sign === 'string' ? body.sign : '');
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return answer(200, 19021, 'sign match fail or timestamp is not within one hour from current time');
    }
    if (body.msg_type === 'interactive') {
      const card = body.card;
      // webhook bots take the card as an object (the app API takes a string)
      if (!card || typeof card !== 'object' || !Array.isArray(card.elements)) return answer(400, 9499, 'Bad Request');
      return null;
    }
    if (body.msg_type === 'text') return typeof body.content?.text === 'string' ? null : answer(400, 9499, 'Bad Request');
    if (body.msg_type === 'post' || body.msg_type === 'share_chat' || body.msg_type === 'image') return null;
    return answer(400, 9499, 'Bad Request');
  },
};

export function startFeishuRobotSimulator(o: RobotSimOptions): Promise<RobotSimulator> {
  return startRobotSimulator(FEISHU_ROBOT_PROTOCOL, o);
}
