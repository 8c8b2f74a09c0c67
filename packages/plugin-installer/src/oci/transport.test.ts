import { parseOciReference } from './reference';
import { apiRepository, isLoopbackHost, RegistryTransport } from './transport';

describe('RegistryTransport.baseUrl', () => {
  it('uses plain HTTP only for loopback hosts and listed insecure registries, HTTPS otherwise', () => {
    const transport = new RegistryTransport({ insecureRegistries: ['registry.lan:5000', 'plain.internal'] });
    expect(transport.baseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(transport.baseUrl('127.1.2.3')).toBe('http://127.1.2.3');
    expect(transport.baseUrl('localhost:5000')).toBe('http://localhost:5000');
    expect(transport.baseUrl('[::1]:5000')).toBe('http://[::1]:5000');
    expect(transport.baseUrl('registry.lan:5000')).toBe('http://registry.lan:5000');
    expect(transport.baseUrl('plain.internal:8080')).toBe('http://plain.internal:8080');
    expect(transport.baseUrl('registry.lan:5001')).toBe('https://registry.lan:5001');
    expect(transport.baseUrl('quay.io')).toBe('https://quay.io');
    expect(transport.baseUrl('128.0.0.1')).toBe('https://128.0.0.1');
    expect(transport.baseUrl('localhost.example.com')).toBe('https://localhost.example.com');
  });

  it('talks to Docker Hub at registry-1.docker.io, official images under library/', () => {
    expect(new RegistryTransport().baseUrl('docker.io')).toBe('https://registry-1.docker.io');
    expect(apiRepository(parseOciReference('oci://docker.io/alpine:3'))).toBe('library/alpine');
    expect(apiRepository(parseOciReference('oci://docker.io/org/img:3'))).toBe('org/img');
    expect(apiRepository(parseOciReference('oci://quay.io/alpine:3'))).toBe('alpine');
  });

  it('isLoopbackHost knows 127.0.0.0/8, ::1 and localhost only', () => {
    expect(['127.0.0.1', '127.255.0.9:80', '[::1]', 'localhost', 'LOCALHOST:1'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['10.0.0.1', '0.0.0.0', '[::2]', 'localhost.evil.com', '127.0.0.1.nip.io'].map(isLoopbackHost)).toEqual([false, false, false, false, false]);
  });
});
