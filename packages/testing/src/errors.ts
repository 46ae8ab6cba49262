/** Stable codes of the errors `@authmesh/testing` throws; tests switch on `code`. */
export type TestingErrorCode =
  | 'ERR_TESTING_UNKNOWN_CLIENT'
  | 'ERR_TESTING_UNKNOWN_USER'
  | 'ERR_TESTING_LOGIN'
  | 'ERR_TESTING_TOKEN'
  | 'ERR_TESTING_CONTROL';

/** The one base class of the errors `@authmesh/testing` throws on purpose. */
export class TestingError extends Error {
  readonly code: TestingErrorCode;

  constructor(code: TestingErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TestingError';
    this.code = code;
  }
}
