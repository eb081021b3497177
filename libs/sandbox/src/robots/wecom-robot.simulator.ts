import { startRobotSimulator, type RobotProtocol, type RobotSimOptions, type RobotSimulator, type RobotVerdict } from './robot-sim-core';

const err = (code: number, message: string): RobotVerdict => ({ status: 200, code, message, body: { errcode: code, errmsg: message } });

/**
 * WeCom group robot (MARKETING-KUAISHOU-ALERTS.md 3.3): POST /cgi-bin/webhook/send?key=<KEY>; the key is the only
 * credential (no signing). Codes: 0 ok; 93000 `invalid webhook url` (unknown key, the real code); 40008 not a
 * known message type, 40058 markdown content missing or over 4096 bytes, 45009 over 20 messages a minute
 * (recollection, [U] in the doc).
 */
export const WECOM_ROBOT_PROTOCOL: RobotProtocol = {
  kind: 'wecom',
  defaultPerMinute: 20,
  defaultBanMs: 0,
  robotOf: (url) => (url.pathname === '/cgi-bin/webhook/send' ? url.searchParams.get('key') : null),
  webhookPath: (robot) => `/cgi-bin/webhook/send?key=${encodeURIComponent(robot)}`,
  ok: () => err(0, 'ok'),
  rateLimited: () => err(45009, 'api freq out of limit'),
  judge(_url, body, robot) {
    if (!robot) return err(93000, 'invalid webhook url');
    if (!body) return err(40008, 'invalid message type');
    if (body.msgtype === 'markdown') {
      const c = body.markdown?.content;
      if (typeof c !== 'string' || c === '' || Buffer.byteLength(c, 'utf8') > 4096) return err(40058, 'markdown.content exceed max length 4096');
      return null;
    }
    if (body.msgtype === 'text') {
      const c = body.text?.content;
      return typeof c === 'string' && c !== '' && Buffer.byteLength(c, 'utf8') <= 2048 ? null : err(40058, 'text.content exceed max length 2048');
    }
    if (['image', 'news', 'file', 'template_card', 'markdown_v2'].includes(body.msgtype)) return null;
    return err(40008, 'invalid message type');
  },
};

export function startWecomRobotSimulator(o: RobotSimOptions): Promise<RobotSimulator> {
  return startRobotSimulator(WECOM_ROBOT_PROTOCOL, o);
}
