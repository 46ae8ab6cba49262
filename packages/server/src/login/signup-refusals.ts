import type { SignupRefusal } from '../tenant/database-users.ts';

/** The login page's sentence for a refused sign-up (Universal Login's wording where it has one). */
export function signupRefusalText(code: SignupRefusal['code']): string {
  switch (code) {
    case 'signup_disabled':
      return 'Sign-ups are not allowed for this application.';
    case 'username_required':
      return "A username is required (letters, digits and _+-.!#$^`~@').";
    case 'invalid_email':
      return 'Email is not valid.';
    case 'user_exists':
      return 'The user already exists.';
    case 'username_exists':
      return 'The username already exists.';
    case 'invalid_password':
      return 'Password is too weak.';
    case 'password_too_long':
      return 'Password is too long.';
  }
}

/**
 * The body of Auth0's Authentication API error for a refused `POST /dbconnections/signup`: 400 with
 * `{name, code, description, statusCode}` ("Common Auth0 Library Authentication Errors": `invalid_signup`,
 * `invalid_password`, `user_exists`, `username_exists`…). An existing user gets `invalid_signup` "Invalid
 * sign up", which does not confirm that the address is registered; a weak password gets Auth0's
 * `PasswordStrengthError` with the policy's rules.
 */
export function signupRefusalBody(refusal: SignupRefusal): Record<string, unknown> {
  switch (refusal.code) {
    case 'invalid_password':
      return {
        name: 'PasswordStrengthError',
        message: 'Password is too weak',
        code: 'invalid_password',
        description: { rules: refusal.verdict.rules, verified: false },
        policy: refusal.verdict.policy,
        statusCode: 400,
      };
    case 'user_exists':
      return { name: 'BadRequestError', code: 'invalid_signup', description: 'Invalid sign up', statusCode: 400 };
    case 'username_exists':
      return {
        name: 'BadRequestError',
        code: 'username_exists',
        description: 'The username already exists.',
        statusCode: 400,
      };
    case 'signup_disabled':
      return {
        name: 'BadRequestError',
        code: 'operation_not_allowed',
        description: 'Signups are not allowed.',
        statusCode: 400,
      };
    case 'username_required':
      return {
        name: 'BadRequestError',
        code: 'invalid_body',
        description: 'Missing required parameter: username',
        statusCode: 400,
      };
    case 'invalid_email':
      return {
        name: 'BadRequestError',
        code: 'invalid_body',
        description: "Object didn't pass validation for format email",
        statusCode: 400,
      };
    case 'password_too_long':
      return {
        name: 'BadRequestError',
        code: 'invalid_password',
        description: 'Password is too long',
        statusCode: 400,
      };
  }
}
