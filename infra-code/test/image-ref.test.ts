/** The one builder of the app image's reference (infra-code/plan/image-ref.ts). */
import { appImageRef } from '../plan/image-ref';

describe('appImageRef', () => {
  test('names the image <registry host>/shagram/shagram:<tag>, a port included', () => {
    expect(appImageRef('registry.example.com', '0123456789ab')).toBe('registry.example.com/shagram/shagram:0123456789ab');
    expect(appImageRef('localhost:5000', 'abc')).toBe('localhost:5000/shagram/shagram:abc');
  });
  test.each([
    ['https://registry.example.com', 'abc', '"https://registry.example.com" is not a registry host name'],
    ['registry.example.com/shagram', 'abc', '"registry.example.com/shagram" is not a registry host name'],
    ['', 'abc', '"" is not a registry host name'],
    ['registry.example.com', 'Bad Tag', '"Bad Tag" is not a valid image tag'],
    ['registry.example.com', '', '"" is not a valid image tag'],
    ['registry.example.com', '-x', '"-x" is not a valid image tag'],
  ])('refuses %j with tag %j in one line', (host, tag, message) => {
    expect(() => appImageRef(host, tag)).toThrow(message);
  });
});
