import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBot } from './bots.ts';
import { normaliseDomain, originAllowed } from './tracking.domains.ts';

const people = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (Linux; Android 13; CUBOT KINGKONG 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0]',
  'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 Instagram 300.0',
];

const bots = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0 Safari/537.36',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
  'curl/8.5.0',
  'python-requests/2.32.3',
  'Go-http-client/2.0',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
  'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse',
  '',
  'x',
];

describe('bot filter', () => {
  it('lets people through', () => {
    for (const ua of people) assert.equal(isBot(ua), false, ua);
  });
  it('recognises crawlers, previews, monitors, headless browsers and HTTP libraries', () => {
    for (const ua of bots) assert.equal(isBot(ua), true, ua);
    assert.equal(isBot(undefined), true);
  });
});

describe('allowed tracking domains', () => {
  it('normalises entries: a pasted URL becomes its host, a wildcard its domain', () => {
    assert.equal(normaliseDomain(' https://www.Example.com/pricing?x=1 '), 'www.example.com');
    assert.equal(normaliseDomain('*.example.com'), 'example.com');
    assert.equal(normaliseDomain('localhost:8080'), 'localhost:8080');
    assert.equal(normaliseDomain('example.com.'), 'example.com');
    for (const bad of ['', 'exa mple.com', 'http://', '-x.com', 'x.com:0', 'x.com:70000', 'a..b'])
      assert.equal(normaliseDomain(bad), null, bad);
  });
  it('allows a domain and its subdomains, a pinned port only, and Leadloop itself', () => {
    const allowed = ['example.com', 'shop.test:8443'];
    assert.ok(originAllowed('https://example.com', allowed, 'leadloop.test'));
    assert.ok(originAllowed('https://www.example.com', allowed, 'leadloop.test'));
    assert.ok(!originAllowed('https://notexample.com', allowed, 'leadloop.test'));
    assert.ok(!originAllowed('https://example.com.evil.test', allowed, 'leadloop.test'));
    assert.ok(originAllowed('https://shop.test:8443', allowed, 'leadloop.test'));
    assert.ok(!originAllowed('https://shop.test', allowed, 'leadloop.test'));
    assert.ok(originAllowed('http://leadloop.test', allowed, 'leadloop.test'));
    assert.ok(!originAllowed('null', allowed, 'leadloop.test'));
    assert.ok(!originAllowed('file:///x', allowed, undefined));
  });
});
