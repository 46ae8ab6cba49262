import { describe, expect, it } from 'vitest';
import { matchesRegisteredUrl, wildcardUrlProblem } from '../../src/config/wildcard-urls.ts';

/** Auth0's rules, https://auth0.com/docs/get-started/applications/wildcards-for-subdomains */
describe('wildcard subdomains', () => {
  it('accepts what Auth0 documents as working', () => {
    expect(wildcardUrlProblem('https://*.example.com/callback')).toBeUndefined();
    expect(wildcardUrlProblem('https://prefix-*-suffix.example.com')).toBeUndefined();
    expect(wildcardUrlProblem('http://*.localtest.me:3000')).toBeUndefined();
  });

  it('refuses what Auth0 documents as not working', () => {
    expect(wildcardUrlProblem('com.example.app://*.example.com')).toMatch(/http and https URLs only/);
    expect(wildcardUrlProblem('https://*.com')).toMatch(/not in the domain itself/);
    expect(wildcardUrlProblem('https://sub.*.example.com')).toMatch(/furthest from the root domain/);
    expect(wildcardUrlProblem('https://*.*.example.com')).toMatch(/one wildcard only/);
    expect(wildcardUrlProblem('https://app.example.com/*')).toMatch(/stands for a subdomain/);
  });

  it('matches exactly one subdomain level in place of the wildcard, keeping prefix and suffix', () => {
    expect(matchesRegisteredUrl('https://*.example.com/cb', 'https://pr-12.example.com/cb')).toBe(true);
    expect(matchesRegisteredUrl('https://*.example.com/cb', 'https://sub1.sub2.example.com/cb')).toBe(false);
    expect(matchesRegisteredUrl('https://*.example.com/cb', 'https://example.com/cb')).toBe(false);
    expect(matchesRegisteredUrl('https://*.example.com/cb', 'https://evil.com/.example.com/cb')).toBe(false);
    expect(matchesRegisteredUrl('https://*.example.com/cb', 'https://a.example.com.evil.test/cb')).toBe(false);
    expect(matchesRegisteredUrl('https://app-*-acme.vercel.app', 'https://app-git-main-acme.vercel.app')).toBe(true);
    expect(matchesRegisteredUrl('https://app-*-acme.vercel.app', 'https://other-acme.vercel.app')).toBe(false);
  });

  it('compares scheme, port, path and query exactly', () => {
    expect(matchesRegisteredUrl('https://*.example.com/cb', 'http://a.example.com/cb')).toBe(false);
    expect(matchesRegisteredUrl('https://*.example.com/cb', 'https://a.example.com:8443/cb')).toBe(false);
    expect(matchesRegisteredUrl('https://*.example.com/cb', 'https://a.example.com/cb/x')).toBe(false);
    expect(matchesRegisteredUrl('https://*.example.com/cb', 'https://a.example.com/cb?x=1')).toBe(false);
    expect(matchesRegisteredUrl('https://app.example.com/cb', 'https://app.example.com/cb')).toBe(true);
  });
});
